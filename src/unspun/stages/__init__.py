"""Pipeline stages. Each module has one public function named after what it adds."""
