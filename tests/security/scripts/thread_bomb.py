# Start threads until none can be started.
import threading

stop = threading.Event()
threads = []
while True:
    thread = threading.Thread(target=stop.wait)
    thread.start()
    threads.append(thread)
