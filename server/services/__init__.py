"""gRPC servicers: proto in, one domain call, proto out."""
