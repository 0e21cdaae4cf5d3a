"""Running the service: backups, health, start-up checks, logs."""
