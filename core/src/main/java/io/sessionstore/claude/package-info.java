/**
 * Claude Code interoperability over any {@link io.sessionstore.api.SessionStore}: {@link
 * io.sessionstore.claude.ClaudeCode} imports Claude Code's own transcripts, writes stored sessions back where
 * Claude Code looks for them, and resumes sessions through the Claude Code command. Everything here is stable.
 */
package io.sessionstore.claude;
