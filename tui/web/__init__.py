"""`trinn serve`: the public forms outside parties fill in from a signed link.

It serves those forms and nothing else: no listing, no case data beyond what a
form shows, no coordinator actions. A submission goes through the service's one
form command (`Service.submit_form` with the link's claim), so it is checked,
authorised and recorded exactly as any other; this package only turns HTTP into
that call and the answer into a page. It imports the engine, never the reverse.
"""
