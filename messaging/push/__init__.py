"""Web Push: a member opts in per device and hears about customers the moment the team's
email alert goes out, on the phone's lock screen. Only alerts are pushed, never a message
history: the push service sees an encrypted payload, the device shows one line."""
