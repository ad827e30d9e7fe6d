"""Step 7: positions — sizing an entry and the records that open it."""
