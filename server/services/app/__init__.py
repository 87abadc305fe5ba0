"""viam.app.v1.AppService, one module per group of RPCs; services/app_service.py composes them."""
