"""Writing what the user made: images, frame sequences, videos, sheets."""
