"""Who may see a notification: only the user it was made for."""


def can_see_notification(user, notification) -> bool:
    return (user is not None and user.is_authenticated and user.is_active
            and notification is not None and notification.user_id == user.id)
