"""Tests of the MXAccess Gateway Python client."""
