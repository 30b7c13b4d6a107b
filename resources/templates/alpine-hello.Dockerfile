# The tutorial's first image: print "hello".
# 1. The base image, the bottom layer (think of it
#    as the OS). alpine is tiny: about 4 MB.
FROM alpine

# 2. RUN lines would add files here; alpine
#    already has echo, so none are needed.

# 3. What the container runs when it starts.
CMD ["echo", "hello"]
