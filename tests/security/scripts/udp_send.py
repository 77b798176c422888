# Send a UDP datagram to a port the test listens on, on the host's loopback.
import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.sendto(b"@TOKEN@", ("127.0.0.1", @PORT@))
