"""Generated protobuf package. Do not edit; run scripts/generate_proto.py."""
