"""The municipal bulk import: streaming parser, record-type registry, validation, all-or-nothing apply."""
