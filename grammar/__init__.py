"""The Lark grammar of the ppl language, installed as the package ``codegen.grammar``."""
