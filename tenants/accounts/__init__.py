"""Signing in safely: password reset and change, and what a new password revokes."""
