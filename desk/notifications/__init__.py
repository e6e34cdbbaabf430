"""Notifications: webhooks and e-mail from the history (the outbox), sent by ``desk-worker``.

``outbox`` turns events into deliveries, ``queue`` hands them to one worker at a time and
retries them, ``webhooks`` and ``mail`` send them, ``worker`` runs it all.
"""
