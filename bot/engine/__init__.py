"""The answer engine: knowledge in, answers out, no Discord.

engine.py holds the AnswerEngine facade; knowledge/ reads and checks the pack,
matching/ turns a question into topics, answers/ composes and renders what the
bot says, and tooling/ holds the offline work (evaluation, training, gaps).
"""
