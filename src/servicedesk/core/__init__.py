"""What every part of the site shares: the policy in use, the home page, start-up checks."""
