"""Development tools: benchmark commands and the test helpers (fault proxy, test replica,
headless Chromium). Installed by the local and test settings only; production never loads it."""
