"""A page of a list, with what a pager needs (the same attributes as Flask-SQLAlchemy's pagination)."""
from dataclasses import dataclass
from math import ceil

from flask import request

from tracker.security import bounded_number


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


MAX_PAGE = 100_000


def requested_page() -> int:
    """The `page` query argument, or 1 when it is missing or not a sensible page number (a huge one would
    overflow the database's OFFSET)."""
    page = bounded_number(request.args.get("page"))
    return page if page is not None and 0 < page <= MAX_PAGE else 1
