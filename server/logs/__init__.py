"""Machine logs: records, group-commit writer, live-tail hub and retention. No grpc here."""
