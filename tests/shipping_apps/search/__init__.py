"""A reusable app that ships a group: two clients entered together, one reusing the payments key."""
