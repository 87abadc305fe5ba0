"""Self-hostable fleet-management server speaking Viam's viam.app.v1 gRPC API."""
