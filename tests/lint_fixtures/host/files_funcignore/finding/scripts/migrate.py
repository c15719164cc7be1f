print 'python 2 only'
