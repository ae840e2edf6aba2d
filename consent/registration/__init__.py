"""Carrier registration (US A2P 10DLC) of a business's texting: the packet a reviewer reads,
built from the configuration Lasso actually sends with, and the lint that checks it against
every rule a reviewer applies before anything is submitted."""
