-- "Vary" always ends in a letter, at review too (§7, §8; issue 9, finding 7): a review
-- decided "vary" stays open while the head decides the variation. Who proposed it, when,
-- and the reasons (personal: they go in the outcome letter). Cleared when the variation
-- is rejected, withdrawn or closed, and the review goes back to its reviewer; copied into
-- the decision when the variation is approved.
ALTER TABLE reviews ADD COLUMN variation_reasons TEXT;
ALTER TABLE reviews ADD COLUMN variation_proposed_by TEXT;
ALTER TABLE reviews ADD COLUMN variation_proposed_at TIMESTAMPTZ;
