"""The driver script for ``spark-submit``: the ``unspun`` command, run by Spark's Python driver.

    spark-submit --master yarn ... "$(python -c 'import unspun.engines.spark_main as m; print(m.__file__)')" \
        index --engine spark hdfs-mounted/crawl/ --output /shared/out/crawl

``unspun index --engine spark`` then uses the session spark-submit made (its master and
settings) instead of starting a local one.
"""

import sys

from unspun.cli import main

if __name__ == "__main__":
    sys.exit(main())
