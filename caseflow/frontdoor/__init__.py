"""Requests for help (web form, self-referral, JSON API) and the front-door queue."""
