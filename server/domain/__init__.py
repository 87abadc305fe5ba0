"""Domain logic: validation, access rules and the operations behind each RPC. Never imports grpc."""
