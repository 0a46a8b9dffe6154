"""Gemini through google-genai: the adapter behind core.ports.assistant.LanguageModel."""
