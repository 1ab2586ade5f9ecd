"""Who may hold and revoke API tokens. What a token may do is what its user may do: the domains' own
permission functions decide, as on the pages."""


def can_manage_tokens(user) -> bool:
    """Any active account makes tokens for itself (a token never gives more than the account has)."""
    return user is not None and user.is_authenticated and user.is_active


def can_revoke_token(user, token) -> bool:
    """Only the token's owner: nobody else even learns that it exists."""
    return can_manage_tokens(user) and token.user_id == user.id
