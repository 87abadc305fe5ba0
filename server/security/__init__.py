"""Keys kept in the data directory: token signing, secret encryption, API key hashing."""
