# Connect to a TCP listener the test opened on the host's loopback.
import socket

socket.create_connection(("127.0.0.1", @PORT@), timeout=3).sendall(b"@TOKEN@")
