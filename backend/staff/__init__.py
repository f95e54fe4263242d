"""The staff's own API (`/api/staff`): signing in on a store device, the till, and invite links."""
