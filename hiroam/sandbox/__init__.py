"""Wire-compatible fakes of eSIM Access and Paddle Billing, mounted under /sandbox/ when a
provider runs in `local` mode. Product code never imports this package: it talks to the
sandbox over HTTP exactly as it talks to the real providers."""
