"""X12 005010X279A1 eligibility: 270 inquiries out, 271 responses in."""
