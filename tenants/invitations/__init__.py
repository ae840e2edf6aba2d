"""Joining a business only by accepting an owner's invitation."""
