"""Shared web plumbing: templates, security headers, error pages, request helpers."""
