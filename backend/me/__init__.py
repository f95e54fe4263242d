"""The member's own API (`/api/me`): the screens of the member's app, composed over the slices."""
