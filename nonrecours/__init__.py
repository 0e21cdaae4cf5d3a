"""nonrecours : mesurer et réduire le non-recours aux droits sociaux dans un territoire."""
