"""Chat channels where officials already talk: Slack (Bolt) and Microsoft Teams (Bot Framework)."""
