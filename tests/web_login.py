"""Log in to the portal as a browser does: open the form (its CSRF cookie and field), then post the token."""

from __future__ import annotations


def form_csrf(client) -> str:
    """The login form's CSRF field; the client keeps the matching cookie."""
    page = client.get("/dang-nhap").text
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def sign_in(client, token: str, **kwargs):
    """POST the token with the form's CSRF value (``kwargs`` go to ``client.post``)."""
    return client.post("/dang-nhap", data={"token": token, "csrf": form_csrf(client)}, **kwargs)
