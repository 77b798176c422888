# Connect to an abstract Unix socket the test listens on (not a file, so no mount hides it).
import socket

sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect("\0@NAME@")
sock.sendall(b"@TOKEN@")
