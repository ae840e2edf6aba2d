"""The after-hours text-back: outside the business's hours the qualifying question is
replaced by the owner's after-hours question. Off until the owner turns it on; while off,
or with no hours set, the text-back stays exactly the registered sentence."""
