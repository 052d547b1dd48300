"""Generated protobuf and gRPC bindings of the MXAccess Gateway contracts.

Do not edit anything below this package by hand: run
``python scripts/generate_proto.py`` from ``clients/python``. A test fails when
these files differ from a fresh generation.
"""
