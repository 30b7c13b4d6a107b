# The tutorial's first image: print "hello" from the small alpine base.
# 1. The base image: the bottom layer everything else sits on (think of it as the OS).
FROM alpine

# 2. Commands that add files would go here (RUN …). echo is already in alpine.

# 3. What the container runs when it starts.
CMD ["echo", "hello"]
