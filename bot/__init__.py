"""disputebot: grounded answers to marketplace seller-dispute questions."""

__version__ = "0.1.0"
