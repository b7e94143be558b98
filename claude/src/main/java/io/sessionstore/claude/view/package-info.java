/**
 * Conversations for people to read: {@link io.sessionstore.claude.view.TranscriptView} turns a
 * stored session (Claude Code transcript lines or stream-json messages) into a stream of {@link
 * io.sessionstore.claude.view.ViewEntry} values — prompts, answers, thinking, tool calls and
 * results, sub-agent transcripts at the point they ran, tokens and cost per turn — and {@link
 * io.sessionstore.claude.view.TranscriptRenderer} writes them as plain text (optionally coloured),
 * Markdown or one self-contained HTML page. Unknown message and block types become short generic
 * entries, never errors.
 */
package io.sessionstore.claude.view;
