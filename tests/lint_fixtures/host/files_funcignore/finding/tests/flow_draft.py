def draft(:
