"""Objects built from flags, as ``kubectl create TYPE NAME --flags`` and ``kubectl expose`` build them."""
