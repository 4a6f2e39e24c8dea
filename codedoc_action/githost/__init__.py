"""Git host APIs (GitHub, GitLab) as a fallback source of changed files."""
