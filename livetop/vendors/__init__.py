"""Vendor clients. One subpackage per vendor; `livetop.vendors.registry` builds a provider for an account."""
