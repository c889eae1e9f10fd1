"""Credit repair (信用修复): eligibility, review, and what approval changes."""
